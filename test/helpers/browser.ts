// Debian's Chromium driven by playwright-core, headless; pages that remember their console errors; test artifacts.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Screenshots and other files a person may want to look at after a run (gitignored). */
export const ARTIFACT_DIR = path.resolve('test-artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** console.error messages and uncaught exceptions, in order. */
  readonly errors: string[];
}

export interface PageOptions {
  readonly viewport?: { width: number; height: number };
  /** Touch and mobile meta-viewport handling, as a phone. */
  readonly mobile?: boolean;
}

export async function openPage(browser: Browser, url: string, options: PageOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    isMobile: options.mobile ?? false,
    hasTouch: options.mobile ?? false,
    deviceScaleFactor: options.mobile ? 2 : 1,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  return path.join(ARTIFACT_DIR, name);
}
