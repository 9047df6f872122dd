import { readFileSync } from "node:fs";
import Handlebars from "handlebars";

/*
 * Human-facing text (the replay report page, `explain`, the reference page) is rendered from
 * handlebars templates in templates/, from view models built by pure functions. HTML templates
 * escape every value; text and Markdown templates are not HTML, so they take values as they are.
 * Templates run in strict mode: a name the view model lacks fails the render instead of
 * printing nothing.
 */

const TEMPLATES = new URL("../../templates/", import.meta.url);

const html = Handlebars.create();
const text = Handlebars.create();

const compiled = new Map<string, HandlebarsTemplateDelegate>();

function template(name: string): HandlebarsTemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    const source = readFileSync(new URL(name, TEMPLATES), "utf8");
    t = name.endsWith(".html.hbs")
      ? html.compile(source, { strict: true })
      : text.compile(source, { strict: true, noEscape: true });
    compiled.set(name, t);
  }
  return t;
}

/** Renders templates/<name> with a view model; `.html.hbs` templates escape, others do not. */
export function renderTemplate(name: string, view: object): string {
  return template(name)(view);
}
