// Lints the issue forms and the template chooser's config in .github/ISSUE_TEMPLATE/
// against GitHub's form schema ("Syntax for issue forms", "Syntax for GitHub's form
// schema", "Common validation errors when creating issue forms" in GitHub's docs). GitHub
// checks a form only when someone opens the chooser, and a form it rejects is silently
// left out of it, so a broken bug report form would go unnoticed until a user needs it.
// Run with Node 24, which strips the types: `node scripts/lint-issue-forms.ts`.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

export const ISSUE_TEMPLATE_DIR = '.github/ISSUE_TEMPLATE';

/** The top-level keys of an issue form; `name`, `description` and `body` are required. */
const FORM_KEYS = new Set([
  'name',
  'description',
  'body',
  'title',
  'labels',
  'assignees',
  'projects',
  'type',
]);

/** Each element type with the attributes it accepts and the one it requires. */
const ELEMENTS: Record<string, { attributes: string[]; required: string }> = {
  markdown: { attributes: ['value'], required: 'value' },
  textarea: {
    attributes: ['label', 'description', 'placeholder', 'value', 'render'],
    required: 'label',
  },
  input: { attributes: ['label', 'description', 'placeholder', 'value'], required: 'label' },
  dropdown: {
    attributes: ['label', 'description', 'multiple', 'options', 'default'],
    required: 'label',
  },
  checkboxes: { attributes: ['label', 'description', 'options'], required: 'label' },
};

const ELEMENT_KEYS = new Set(['type', 'id', 'attributes', 'validations']);
const ID = /^[A-Za-z0-9_-]+$/;
/** GitHub refuses these words in the label of an input or a textarea (credential phishing). */
const FORBIDDEN_LABEL_WORDS = ['password'];

type Yaml = Record<string, unknown>;
const isMap = (value: unknown): value is Yaml =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';

function parse(text: string, problems: string[]): unknown {
  try {
    return load(text);
  } catch (error) {
    problems.push(`not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

/** GitHub's problems with one issue form, each naming the key, or [] when it would accept it. */
export function lintIssueForm(text: string): string[] {
  const problems: string[] = [];
  const form = parse(text, problems);
  if (problems.length > 0) return problems;
  if (!isMap(form)) return ['an issue form must be a mapping with name, description and body'];
  for (const key of Object.keys(form))
    if (!FORM_KEYS.has(key))
      problems.push(`"${key}" is not a permitted key; allowed: ${[...FORM_KEYS].join(', ')}`);
  for (const key of ['name', 'description'])
    if (!isText(form[key])) problems.push(`"${key}" is required and must be a non-empty string`);
  if (!Array.isArray(form.body) || form.body.length === 0) {
    problems.push('"body" is required and must be a non-empty list of elements');
    return problems;
  }
  const ids = new Set<string>();
  const labels = new Set<string>();
  const label = (where: string, text: string): void => {
    const key = text.trim().toLowerCase();
    if (labels.has(key)) problems.push(`${where}: label "${text}" is not unique`);
    labels.add(key);
  };
  let inputs = 0;
  form.body.forEach((element: unknown, i) => {
    const at = `body[${i}]`;
    if (!isMap(element)) {
      problems.push(`${at} must be a mapping with type and attributes`);
      return;
    }
    for (const key of Object.keys(element))
      if (!ELEMENT_KEYS.has(key)) problems.push(`${at}: "${key}" is not a permitted key`);
    const type = String(element.type);
    const spec = ELEMENTS[type];
    if (spec === undefined) {
      problems.push(
        `${at}: type "${type}" is not one of ${Object.keys(ELEMENTS).join(', ')} (type is required)`,
      );
      return;
    }
    if (type !== 'markdown') inputs += 1;
    if (element.id !== undefined) {
      if (type === 'markdown') problems.push(`${at}: a markdown element takes no id`);
      else if (typeof element.id !== 'string' || !ID.test(element.id))
        problems.push(`${at}: id may hold only letters, digits, - and _`);
      else if (ids.has(element.id)) problems.push(`${at}: id "${element.id}" is not unique`);
      else ids.add(element.id);
    }
    const attributes = element.attributes;
    if (!isMap(attributes)) {
      problems.push(`${at}: "attributes" is required`);
      return;
    }
    for (const key of Object.keys(attributes))
      if (!spec.attributes.includes(key))
        problems.push(`${at}: "${key}" is not a permitted attribute of ${type}`);
    if (!isText(attributes[spec.required]))
      problems.push(`${at}: attribute "${spec.required}" is required and must be a string`);
    if (type !== 'markdown' && isText(attributes.label)) {
      label(at, attributes.label);
      if (type === 'input' || type === 'textarea')
        for (const word of FORBIDDEN_LABEL_WORDS)
          if (attributes.label.toLowerCase().includes(word))
            problems.push(`${at}: label contains the forbidden word "${word}"`);
    }
    if (element.validations !== undefined) {
      const validations = element.validations;
      if (type === 'markdown' || type === 'checkboxes')
        problems.push(
          `${at}: ${type} takes no validations${type === 'checkboxes' ? ' (each option has its own required)' : ''}`,
        );
      else if (
        !isMap(validations) ||
        Object.keys(validations).some((key) => key !== 'required') ||
        typeof validations.required !== 'boolean'
      )
        problems.push(`${at}: validations may only hold required: true or false`);
    }
    if (type === 'dropdown') lintDropdown(at, attributes, problems);
    if (type === 'checkboxes') lintCheckboxes(at, attributes, problems, label);
  });
  if (inputs === 0) problems.push('body must contain at least one non-markdown element');
  return problems;
}

function lintDropdown(at: string, attributes: Yaml, problems: string[]): void {
  const options = attributes.options;
  if (!Array.isArray(options) || options.length === 0) {
    problems.push(`${at}: options is required and must be a non-empty list`);
    return;
  }
  if (options.some((option) => typeof option !== 'string'))
    problems.push(`${at}: every option must be a string (quote yes, no, true and numbers)`);
  const texts = options.map((option) => String(option).trim().toLowerCase());
  if (new Set(texts).size !== texts.length) problems.push(`${at}: options must be unique`);
  if (texts.includes('none')) problems.push(`${at}: options must not include the reserved "None"`);
  if (attributes.multiple !== undefined && typeof attributes.multiple !== 'boolean')
    problems.push(`${at}: multiple must be true or false`);
  const byDefault = attributes.default;
  if (
    byDefault !== undefined &&
    (!Number.isInteger(byDefault) ||
      (byDefault as number) < 0 ||
      (byDefault as number) >= options.length)
  )
    problems.push(`${at}: default must be the index of an option (0 to ${options.length - 1})`);
}

function lintCheckboxes(
  at: string,
  attributes: Yaml,
  problems: string[],
  label: (where: string, text: string) => void,
): void {
  const options = attributes.options;
  if (!Array.isArray(options) || options.length === 0) {
    problems.push(`${at}: options is required and must be a non-empty list`);
    return;
  }
  options.forEach((option: unknown, j) => {
    const where = `${at}.options[${j}]`;
    if (!isMap(option) || !isText(option.label)) {
      problems.push(`${where}: label is required and must be a string`);
      return;
    }
    for (const key of Object.keys(option))
      if (key !== 'label' && key !== 'required')
        problems.push(`${where}: "${key}" is not permitted (label, required)`);
    if (option.required !== undefined && typeof option.required !== 'boolean')
      problems.push(`${where}: required must be true or false`);
    label(where, option.label);
  });
}

/** GitHub's problems with the chooser's config.yml, or [] when it would accept it. */
export function lintIssueTemplateConfig(text: string): string[] {
  const problems: string[] = [];
  const config = parse(text, problems);
  if (problems.length > 0) return problems;
  if (!isMap(config)) return ['config.yml must be a mapping'];
  for (const key of Object.keys(config))
    if (key !== 'blank_issues_enabled' && key !== 'contact_links')
      problems.push(
        `"${key}" is not a permitted key; allowed: blank_issues_enabled, contact_links`,
      );
  if (config.blank_issues_enabled !== undefined && typeof config.blank_issues_enabled !== 'boolean')
    problems.push('blank_issues_enabled must be true or false');
  const links = config.contact_links ?? [];
  if (!Array.isArray(links)) return [...problems, 'contact_links must be a list'];
  links.forEach((link: unknown, i) => {
    const at = `contact_links[${i}]`;
    if (!isMap(link)) {
      problems.push(`${at} must be a mapping with name, url and about`);
      return;
    }
    for (const key of Object.keys(link))
      if (!['name', 'url', 'about'].includes(key))
        problems.push(`${at}: "${key}" is not permitted`);
    for (const key of ['name', 'url', 'about'])
      if (!isText(link[key])) problems.push(`${at}: ${key} is required and must be a string`);
    if (isText(link.url) && !/^https:\/\//.test(link.url))
      problems.push(`${at}: url must be https`);
  });
  return problems;
}

/** Every form and the config of a repository, with their problems, by file name. */
export function lintIssueTemplates(root: string): { file: string; message: string }[] {
  const dir = join(root, ISSUE_TEMPLATE_DIR);
  if (!existsSync(dir)) return [];
  const findings: { file: string; message: string }[] = [];
  const names = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const file = `${ISSUE_TEMPLATE_DIR}/${name}`;
    const text = readFileSync(join(dir, name), 'utf8');
    if (/^config\.ya?ml$/.test(name)) {
      findings.push(...lintIssueTemplateConfig(text).map((message) => ({ file, message })));
      continue;
    }
    if (!/\.ya?ml$/.test(name)) continue;
    findings.push(...lintIssueForm(text).map((message) => ({ file, message })));
    // Names must be unique among the templates: the chooser lists them by name.
    const form = parse(text, []);
    const formName = isMap(form) && isText(form.name) ? form.name : undefined;
    if (formName === undefined) continue;
    const other = names.get(formName);
    if (other !== undefined)
      findings.push({ file, message: `name "${formName}" is also the name of ${other}` });
    names.set(formName, file);
  }
  return findings;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const findings = lintIssueTemplates(root);
  for (const f of findings) console.log(`${f.file}: ${f.message}`);
  console.log(`${ISSUE_TEMPLATE_DIR}: ${findings.length} problems`);
  process.exitCode = findings.length > 0 ? 1 : 0;
}
