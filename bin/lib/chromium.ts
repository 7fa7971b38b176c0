import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Debian's Chromium (package `chromium`); playwright-core drives it, it never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Installs Debian's Chromium when it is missing and we may (root); otherwise says how. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0)
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  process.stderr.write('installing Debian chromium for the report tests …\n');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return CHROMIUM;
}

// Without the background-networking flags Chromium tries to reach Google's hosts at every start.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Opens an HTML file in headless Chromium and hands the page to `use`; always closes the browser. */
export async function withPage<T>(
  htmlFile: string,
  use: (page: import('playwright-core').Page) => Promise<T>,
): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(pathToFileURL(htmlFile).href);
    return await use(page);
  } finally {
    await browser.close();
  }
}

/** A PNG of the report's chart, for READMEs. */
export async function renderChartPng(htmlFile: string, pngFile: string): Promise<void> {
  await withPage(htmlFile, async (page) => {
    await page.locator('#chart').screenshot({ path: pngFile });
  });
}
