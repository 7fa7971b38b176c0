import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ScalingError } from '../../shared/errors';

/** Debian's Chromium (package `chromium`); playwright-core drives it, it never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** No Chromium to draw a report with, and no way to install it here: one line for the operator. */
export class ChromiumMissingError extends ScalingError {}

/** Installs Debian's Chromium (and a font for the charts' PNGs) when missing and we may (root); otherwise says how. */
export function ensureChromium(): string {
  ensureFonts();
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0)
    throw new ChromiumMissingError(
      `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
    );
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

/**
 * Opens a file in headless Chromium and hands the page to `use`; always closes the browser. `prepare`
 * runs before the page loads (listeners for requests and console messages).
 */
export async function withPage<T>(
  file: string,
  use: (page: import('playwright-core').Page) => Promise<T>,
  prepare?: (page: import('playwright-core').Page) => Promise<void> | void,
): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await prepare?.(page);
    await page.goto(pathToFileURL(file).href);
    return await use(page);
  } finally {
    await browser.close();
  }
}

/** DejaVu Sans, which the charts name and resvg draws their text with (Debian `fonts-dejavu-core`). */
export const CHART_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** Installs Debian's fonts-dejavu-core when the chart font is missing and we may (root). */
export function ensureFonts(): void {
  if (existsSync(CHART_FONT_FILE)) return;
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `no ${CHART_FONT_FILE}: chart PNGs fall back to another font (apt-get install fonts-dejavu-core)\n`,
    );
    return;
  }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'fonts-dejavu-core'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
