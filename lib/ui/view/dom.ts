/**
 * The few browser APIs the dashboard page uses, typed here: the project is type-checked as one
 * Deno program, and adding the DOM lib to it clashes with Deno's own stream types.
 */

/** A DOM node the page appends or fills. */
export interface DomNode {
  textContent: string | null;
  appendChild<T extends DomNode>(child: T): T;
}

/** The part of CSSStyleDeclaration the page writes (through the CSSOM, which CSP allows). */
export interface DomStyle {
  setProperty(name: string, value: string): void;
  colorScheme: string;
  height: string;
}

/** An HTML or SVG element. */
export interface DomElement extends DomNode {
  readonly style: DomStyle;
  setAttribute(name: string, value: string): void;
  replaceChildren(...nodes: DomNode[]): void;
  getBoundingClientRect(): { width: number; height: number };
}

/** The document. */
export interface DomDocument {
  readonly documentElement: DomElement;
  readonly body: DomElement;
  createElement(tag: string): DomElement;
  createElementNS(namespace: string, tag: string): DomElement;
  createTextNode(text: string): DomNode;
  getElementById(id: string): DomElement | null;
}

/** A message event as the page reads it. */
export interface DomMessageEvent {
  readonly source: unknown;
  readonly data: unknown;
}

/** The window to post to (the host). */
export interface DomPostTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

/** The page's own window. */
export interface DomWindow {
  readonly parent: DomPostTarget;
  readonly innerWidth: number;
  readonly navigator: { language?: string };
  addEventListener(type: "message", listener: (event: DomMessageEvent) => void): void;
  requestAnimationFrame(callback: () => void): number;
}

/** ResizeObserver, reduced to what the size reporting needs. */
export interface DomResizeObserver {
  observe(target: DomElement): void;
}

/** The browser globals, cast once from `globalThis`. */
export interface Browser {
  document: DomDocument;
  window: DomWindow;
  ResizeObserver?: new (callback: () => void) => DomResizeObserver;
}

/** The running page's globals. */
export function browser(): Browser {
  const global = globalThis as unknown as Browser & { window: DomWindow };
  return {
    document: global.document,
    window: global.window,
    ResizeObserver: global.ResizeObserver,
  };
}
