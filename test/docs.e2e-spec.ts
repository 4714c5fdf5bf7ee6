import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The manual stays a front door plus docs/ by reader: the README small, every relative link (and #anchor) leading
 * somewhere that exists, and no page citing files the repository does not have. Reads files only; no server.
 */
const root = resolve(__dirname, '..');
const pages = [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(root, 'docs', f)),
];
const README_MAX_BYTES = 10_000;
/** Files that live outside the repository (the team's design notes): a page must say what it needs itself. */
const OUTSIDE_FILES = /\b(DESIGN|STACK)\.md\b/;

/** The text of a page that is rendered as prose: fenced code blocks and inline code spans removed. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, text] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const rendered = text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const base = rendered
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** Relative link targets of a page's prose: `[text](target)`, without URLs with a scheme. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map(([, target]) => target)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('the manual (README.md and docs/)', () => {
  it(`keeps the README a front door, under ${README_MAX_BYTES} bytes`, () => {
    expect(statSync(join(root, 'README.md')).size).toBeLessThan(README_MAX_BYTES);
  });

  it('has the pages the README sends readers to', () => {
    expect(pages.map((page) => relative(root, page)).sort()).toEqual(
      expect.arrayContaining(
        ['api', 'architecture', 'benchmarks', 'billing', 'configuration', 'operations', 'partners', 'privacy', 'security'].map((name) => `docs/${name}.md`),
      ),
    );
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const target of relativeLinks(readFileSync(page, 'utf8'))) {
        const parts = target.split('#', 2);
        const [path, anchor] = [parts.at(0), parts.at(1)];
        const file = path ? resolve(dirname(page), decodeURIComponent(path)) : page;
        const where = `${relative(root, page)} → ${target}`;
        if (!existsSync(file)) {
          broken.push(`${where}: no such file`);
        } else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor))) {
          broken.push(`${where}: no such heading`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('cites no file the repository does not have', () => {
    const citing = pages.filter((page) => OUTSIDE_FILES.test(readFileSync(page, 'utf8'))).map((page) => relative(root, page));
    expect(citing).toEqual([]);
  });

  it('computes anchors as GitHub does', () => {
    expect([...anchorsOf('# Keep the session alive: `refreshSession`\n## Figures (2026-11-25, Node 24)\n## A\n## A\n')]).toEqual([
      'keep-the-session-alive-refreshsession',
      'figures-2026-11-25-node-24',
      'a',
      'a-1',
    ]);
  });
});
