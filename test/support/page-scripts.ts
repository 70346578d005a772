/**
 * The page scripts of public/js run in a vm sandbox with just enough of a DOM to read what they
 * print: element text, children, attributes. A unit test then pins the words and figures a user
 * sees on the page (not the scripts' source text, which can hold the right call and print the
 * wrong thing), without a browser.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

/** public/js beside this folder (not ./app's REPO_ROOT: that module loads the whole app) */
const PUBLIC_JS = path.resolve(__dirname, '../../public/js');

export interface FakeNode {
  tag: string;
  /** the node's text as the DOM has it: its own and its children's */
  textContent: string;
  children: FakeNode[];
  className: string;
  hidden: boolean;
  href: string;
  style: Record<string, string>;
  appendChild(child: FakeNode): FakeNode;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
}

export function fakeNode(tag = '', text = ''): FakeNode {
  let own = text;
  const attributes = new Map<string, string>();
  const n: FakeNode = {
    tag,
    children: [],
    className: '',
    hidden: false,
    href: '',
    style: {},
    get textContent() { return own + n.children.map((c) => c.textContent).join(''); },
    set textContent(t: string) { own = t; n.children = []; },
    appendChild(c) { n.children.push(c); return c; },
    setAttribute(name, value) { attributes.set(name, value); },
    getAttribute(name) { return attributes.get(name) ?? null; },
  };
  return n;
}

export interface PageSandbox {
  window: Record<string, unknown>;
  /** the element with this id (made on first use, as if the page had it) */
  byId(id: string): FakeNode;
}

/** Runs `files` of public/js in order, as a page loads them, in one sandbox; `body` holds <body>'s data- attributes. */
export function loadPageScripts(files: string[], body: Record<string, string> = {}): PageSandbox {
  const window: Record<string, unknown> = {};
  const elements = new Map<string, FakeNode>();
  const byId = (id: string): FakeNode => {
    let e = elements.get(id);
    if (!e) elements.set(id, (e = fakeNode('div')));
    return e;
  };
  const document = {
    body: { getAttribute: (name: string) => body[name] ?? null },
    getElementById: byId,
    createElement: (tag: string) => fakeNode(tag),
    createTextNode: (text: string) => fakeNode('#text', text),
  };
  const context = vm.createContext({ window, document });
  for (const f of files) vm.runInContext(readFileSync(path.join(PUBLIC_JS, f), 'utf8'), context, { filename: f });
  return { window, byId };
}

/** A <dl>'s rows as [term, definition] text pairs. */
export function definitionList(dl: FakeNode): [string, string][] {
  const rows: [string, string][] = [];
  for (let i = 0; i + 1 < dl.children.length; i += 2) rows.push([dl.children[i].textContent, dl.children[i + 1].textContent]);
  return rows;
}
