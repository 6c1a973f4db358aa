import type { Params, TemplateMessageRequest } from '@messagejs/shared-types';

/** What `sendForm` needs besides the form. */
export interface SendFormOptions {
  /**
   * The template to send; the form's fields become its params.
   * @example 'contact'
   */
  template: string;
  /**
   * The recipient. When omitted, a form field named `to` is used (if the template lets the
   * caller choose the recipient); a `to` field is never sent as a param.
   * @example '+212612345678'
   */
  to?: string;
  /**
   * Params added to the form's fields; they win over a field of the same name.
   * @example { source: 'footer' }
   */
  params?: Params;
}

/**
 * Reads a form into a template message: each text field becomes a param (repeated names, such
 * as checkboxes, are joined with `", "`), files are ignored, and a field named `to` becomes the
 * recipient unless `options.to` is given.
 *
 * Throws a `TypeError` naming the selector when no form matches, so nothing is sent.
 */
export function readForm(form: HTMLFormElement | string, options: SendFormOptions): TemplateMessageRequest {
  const call = `sendForm(${typeof form === 'string' ? JSON.stringify(form) : 'form'}, { template: 'contact' })`;
  if (!options || typeof options.template !== 'string' || !options.template) {
    throw new TypeError(`sendForm needs the template to send: ${call}`);
  }
  let element: unknown = form;
  if (typeof form === 'string') {
    if (typeof document === 'undefined') {
      throw new TypeError(
        `sendForm(${JSON.stringify(form)}) needs a page: there is no \`document\` to find the form in`,
      );
    }
    try {
      element = document.querySelector(form);
    } catch {
      throw new TypeError(`${JSON.stringify(form)} is not a valid CSS selector: ${call}`);
    }
    if (!element) {
      throw new TypeError(
        `No element matches the selector ${JSON.stringify(form)}: ${call} needs a <form> on the page`,
      );
    }
  }
  const isForm =
    (typeof HTMLFormElement !== 'undefined' && element instanceof HTMLFormElement) ||
    String((element as { tagName?: unknown } | null)?.tagName).toUpperCase() === 'FORM';
  if (!isForm) {
    throw new TypeError(`sendForm needs a <form> element, or a selector that matches one: ${call}`);
  }

  const params: Params = {};
  let to = options.to;
  for (const [name, value] of new FormData(element as HTMLFormElement)) {
    if (typeof value !== 'string') continue;
    if (name === 'to') to ??= value || undefined;
    else params[name] = Object.hasOwn(params, name) ? `${params[name]}, ${value}` : value;
  }
  const message: TemplateMessageRequest = { template: options.template, params: { ...params, ...options.params } };
  if (to !== undefined) message.to = to;
  return message;
}
