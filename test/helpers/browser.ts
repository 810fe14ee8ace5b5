// Debian's Chromium driven by playwright-core: pages of the daemon that remember their console errors, a blank page
// with hls.js from node_modules, and the folder where screenshots are kept.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

const require = createRequire(import.meta.url);
export const HLS_JS_PATH = require.resolve('hls.js/dist/hls.min.js');

/** Screenshots and other files a person may want to look at after a run (gitignored). */
export const ARTIFACT_DIR = path.resolve('test-artifacts');

/** Headless Chromium that may start muted playback without a user gesture (no sandbox: tests may run as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
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

/** Opens `url` in a fresh context (its own viewport), collecting console errors and uncaught exceptions. */
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
