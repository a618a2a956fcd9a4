// Block Kit's rules that a receiver can check, from Slack's reference (api.slack.com/
// reference/block-kit): the block types, the text object types each field takes, and the
// documented limits. Slack answers a message that breaks one with `invalid_blocks`; this
// checker returns the same kind of one-line errors, with the JSON pointer of the fault.

const BLOCK_TYPES = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'rich_text',
  'section',
  'video',
  'markdown',
]);
const TEXT_TYPES = new Set(['plain_text', 'mrkdwn']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function blockKitErrors(blocks: unknown): string[] {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  if (blocks.length > 50) errors.push('no more than 50 items allowed [json-pointer:/blocks]');
  const ids = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `/blocks/${i}`;
    if (!isObject(block) || typeof block.type !== 'string' || !BLOCK_TYPES.has(block.type)) {
      errors.push(`unsupported type [json-pointer:${at}/type]`);
      return;
    }
    if (block.block_id !== undefined) {
      const id = block.block_id;
      if (typeof id !== 'string' || id.length > 255)
        errors.push(`must be a string of at most 255 characters [json-pointer:${at}/block_id]`);
      else if (ids.has(id)) errors.push(`duplicate block_id [json-pointer:${at}/block_id]`);
      else ids.add(id);
    }
    switch (block.type) {
      case 'header':
        text(block.text, `${at}/text`, 150, errors, ['plain_text']);
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined)
          errors.push(`must provide text or fields [json-pointer:${at}]`);
        if (block.text !== undefined) text(block.text, `${at}/text`, 3000, errors);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length === 0)
            errors.push(`must be a non-empty array [json-pointer:${at}/fields]`);
          else {
            if (block.fields.length > 10)
              errors.push(`no more than 10 items allowed [json-pointer:${at}/fields]`);
            block.fields.forEach((f, j) => text(f, `${at}/fields/${j}`, 2000, errors));
          }
        }
        break;
      }
      case 'context': {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10)
          errors.push(`must have 1 to 10 elements [json-pointer:${at}/elements]`);
        else
          elements.forEach((e, j) => {
            if (isObject(e) && e.type === 'image') return;
            text(e, `${at}/elements/${j}`, 3000, errors);
          });
        break;
      }
      case 'actions': {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25)
          errors.push(`must have 1 to 25 elements [json-pointer:${at}/elements]`);
        else elements.forEach((e, j) => element(e, `${at}/elements/${j}`, errors));
        break;
      }
      default:
        break;
    }
  });
  return errors;
}

function text(
  value: unknown,
  at: string,
  max: number,
  errors: string[],
  types: string[] = [...TEXT_TYPES],
): void {
  if (!isObject(value) || typeof value.type !== 'string' || !types.includes(value.type)) {
    errors.push(`must be a ${types.join(' or ')} text object [json-pointer:${at}]`);
    return;
  }
  if (typeof value.text !== 'string' || value.text.length === 0)
    errors.push(`must be a non-empty string [json-pointer:${at}/text]`);
  else if (value.text.length > max)
    errors.push(`must be less than ${max + 1} characters [json-pointer:${at}/text]`);
  if (value.type === 'mrkdwn' && value.emoji !== undefined)
    errors.push(`emoji is only for plain_text [json-pointer:${at}/emoji]`);
}

function element(value: unknown, at: string, errors: string[]): void {
  if (!isObject(value) || value.type !== 'button') {
    // Only buttons are checked closely; kubemend sends no other element.
    if (!isObject(value) || typeof value.type !== 'string')
      errors.push(`unsupported type [json-pointer:${at}/type]`);
    return;
  }
  text(value.text, `${at}/text`, 75, errors, ['plain_text']);
  if (
    value.action_id !== undefined &&
    (typeof value.action_id !== 'string' || value.action_id.length > 255)
  )
    errors.push(`must be a string of at most 255 characters [json-pointer:${at}/action_id]`);
  if (value.url !== undefined) {
    if (typeof value.url !== 'string' || value.url.length > 3000 || !/^https?:\/\//.test(value.url))
      errors.push(`must be an http(s) URL of at most 3000 characters [json-pointer:${at}/url]`);
  }
}
