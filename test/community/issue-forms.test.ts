// The issue forms, the template chooser and the security policy as GitHub reads them: the
// forms follow GitHub's form schema (a form GitHub rejects silently drops out of the
// chooser), the bug report cannot be filed without a rehearsal file that shows the
// problem, and a vulnerability is sent to private reporting, never to a public issue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import {
  ISSUE_TEMPLATE_DIR,
  lintIssueForm,
  lintIssueTemplateConfig,
  lintIssueTemplates,
} from '../../scripts/lint-issue-forms.js';
import { repoRoot } from '../../src/rehearse/action.js';

interface Element {
  type: string;
  id?: string;
  attributes: {
    label?: string;
    render?: string;
    multiple?: boolean;
    options?: (string | { label: string; required?: boolean })[];
  };
  validations?: { required?: boolean };
}

const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');
const form = (name: string) =>
  load(read(`${ISSUE_TEMPLATE_DIR}/${name}`)) as { labels?: string[]; body: Element[] };
const PRIVATE_REPORTING = 'https://github.com/kubemend/kubemend/security/advisories/new';

describe('the issue templates', () => {
  it("every form and the chooser config follow GitHub's form schema", () => {
    expect(lintIssueTemplates(repoRoot)).toEqual([]);
    expect(lintIssueForm(read(`${ISSUE_TEMPLATE_DIR}/bug_report.yml`))).toEqual([]);
    expect(lintIssueForm(read(`${ISSUE_TEMPLATE_DIR}/feature_request.yml`))).toEqual([]);
  });

  it('the bug report requires a rehearsal file, rendered as YAML, that shows the problem', () => {
    const rehearsal = form('bug_report.yml').body.find((e) => e.id === 'rehearsal');
    expect(rehearsal).toMatchObject({
      type: 'textarea',
      attributes: { render: 'yaml', label: expect.stringMatching(/rehearsal file/i) },
      validations: { required: true },
    });
  });

  it('the bug report asks what happened, what was expected, the version and every way a run starts', () => {
    const body = form('bug_report.yml').body;
    const required = body.filter((e) => e.validations?.required).map((e) => e.id);
    expect(required).toEqual(
      expect.arrayContaining(['what-happened', 'expected', 'rehearsal', 'version', 'trigger']),
    );
    expect(body.find((e) => e.id === 'version')?.type).toBe('input');
    const trigger = body.find((e) => e.id === 'trigger');
    expect(trigger?.type).toBe('dropdown');
    const options = (trigger?.attributes.options ?? []).join('\n');
    for (const way of [
      /Argo CD/,
      /Alertmanager.*relay/,
      /Flux/,
      /Sweep/,
      /Label/,
      /Comment/,
      /CLI/,
    ])
      expect([way.source, way.test(options)]).toEqual([way.source, true]);
  });

  it('the bug report cannot be submitted before secrets and cluster addresses are removed', () => {
    const boxes = form('bug_report.yml').body.filter((e) => e.type === 'checkboxes');
    const options = boxes.flatMap((e) => e.attributes.options ?? []);
    expect(options).toContainEqual({
      label: expect.stringMatching(/^I removed secrets and cluster addresses/),
      required: true,
    });
  });

  it('the chooser allows no blank issue and sends vulnerabilities to private reporting, as SECURITY.md does', () => {
    const config = load(read(`${ISSUE_TEMPLATE_DIR}/config.yml`)) as {
      blank_issues_enabled: boolean;
      contact_links: { url: string }[];
    };
    expect(config.blank_issues_enabled).toBe(false);
    expect(config.contact_links.map((link) => link.url)).toContain(PRIVATE_REPORTING);
    const policy = read('SECURITY.md');
    expect(policy).toContain(PRIVATE_REPORTING);
    expect(policy).toMatch(/latest minor release of the\s+current major version/);
    expect(policy).toMatch(/Before 1\.0 only the latest release gets fixes/);
  });
});

describe('the issue form linter', () => {
  const good = {
    name: 'Bug',
    description: 'Something broke',
    body: [
      { type: 'markdown', attributes: { value: 'Thanks' } },
      { type: 'textarea', id: 'what', attributes: { label: 'What happened' } },
    ],
  };
  const withBody = (...body: unknown[]) => dump({ ...good, body: [...good.body, ...body] });

  it('accepts a minimal valid form and a minimal config', () => {
    expect(lintIssueForm(dump(good))).toEqual([]);
    expect(lintIssueTemplateConfig('blank_issues_enabled: true\n')).toEqual([]);
  });

  it.each([
    [
      'a missing name',
      dump({ ...good, name: undefined }),
      '"name" is required and must be a non-empty string',
    ],
    [
      'an unknown top-level key',
      dump({ ...good, hello: 'world' }),
      '"hello" is not a permitted key; allowed: name, description, body, title, labels, assignees, projects, type',
    ],
    [
      'only markdown',
      dump({ ...good, body: [good.body[0]] }),
      'body must contain at least one non-markdown element',
    ],
    [
      'an unknown type',
      withBody({ type: 'radio', attributes: { label: 'x' } }),
      'body[2]: type "radio" is not one of markdown, textarea, input, dropdown, checkboxes (type is required)',
    ],
    [
      'a repeated id',
      withBody({ type: 'input', id: 'what', attributes: { label: 'Other' } }),
      'body[2]: id "what" is not unique',
    ],
    [
      'an id with a space',
      withBody({ type: 'input', id: 'first name', attributes: { label: 'Name' } }),
      'body[2]: id may hold only letters, digits, - and _',
    ],
    [
      'a repeated label',
      withBody({ type: 'input', attributes: { label: 'What happened' } }),
      'body[2]: label "What happened" is not unique',
    ],
    [
      'a missing label',
      withBody({ type: 'input', attributes: { description: 'x' } }),
      'body[2]: attribute "label" is required and must be a string',
    ],
    [
      'an attribute of another type',
      withBody({ type: 'input', attributes: { label: 'x', render: 'yaml' } }),
      'body[2]: "render" is not a permitted attribute of input',
    ],
    [
      'a forbidden label word',
      withBody({ type: 'input', attributes: { label: 'Your password' } }),
      'body[2]: label contains the forbidden word "password"',
    ],
    [
      'the reserved option None',
      withBody({ type: 'dropdown', attributes: { label: 'Pick', options: ['a', 'None'] } }),
      'body[2]: options must not include the reserved "None"',
    ],
    [
      'an unquoted boolean option',
      withBody({ type: 'dropdown', attributes: { label: 'Pick', options: ['a', true] } }),
      'body[2]: every option must be a string (quote yes, no, true and numbers)',
    ],
    [
      'repeated options',
      withBody({ type: 'dropdown', attributes: { label: 'Pick', options: ['a', 'a'] } }),
      'body[2]: options must be unique',
    ],
    [
      'validations on checkboxes',
      withBody({
        type: 'checkboxes',
        attributes: { label: 'Ok', options: [{ label: 'yes' }] },
        validations: { required: true },
      }),
      'body[2]: checkboxes takes no validations (each option has its own required)',
    ],
    [
      'an unknown validation',
      withBody({ type: 'input', attributes: { label: 'x' }, validations: { minLength: 3 } }),
      'body[2]: validations may only hold required: true or false',
    ],
  ])('rejects %s', (_case, text, message) => {
    expect(lintIssueForm(text)).toEqual([message]);
  });

  it('rejects a config with an unknown key or a contact link without https', () => {
    expect(
      lintIssueTemplateConfig(
        dump({ blank_issues: false, contact_links: [{ name: 'a', url: 'http://x', about: 'b' }] }),
      ),
    ).toEqual([
      '"blank_issues" is not a permitted key; allowed: blank_issues_enabled, contact_links',
      'contact_links[0]: url must be https',
    ]);
  });
});
