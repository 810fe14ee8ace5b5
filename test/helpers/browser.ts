// Debian's Chromium driven by playwright-core, with hls.js from node_modules injected into a blank page.

import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

const require = createRequire(import.meta.url);
export const HLS_JS_PATH = require.resolve('hls.js/dist/hls.min.js');

/** Headless Chromium that may start muted playback without a user gesture (no sandbox: tests may run as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** A page with hls.js loaded and a muted <video>; console errors and page errors are collected. */
export async function hlsPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  await page.setContent('<!doctype html><html><body><video id="v" muted playsinline></video></body></html>');
  await page.addScriptTag({ path: HLS_JS_PATH });
  return { page, errors };
}
