import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's `chromium` package (`apt-get install -y chromium`); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const hasChromium = existsSync(CHROMIUM_PATH);

export const SCREENSHOT_DIR = join(__dirname, '../../../test-output/screenshots');

/**
 * `describe` for specs that drive a real Chromium. Without one they are skipped with a message on a
 * developer's machine, and fail loudly in CI (`CI` set), where a missing browser is a broken setup.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (hasChromium) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(
          `No Chromium at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" ` +
            '(see .ci/run), or point CHROMIUM_PATH at one.',
        );
      });
    });
  } else {
    process.stderr.write(
      `\n[browser specs] skipping "${name}": no Chromium at ${CHROMIUM_PATH} ` +
        '(apt-get install -y chromium, or set CHROMIUM_PATH)\n',
    );
    describe.skip(`${name} (skipped: no Chromium at ${CHROMIUM_PATH})`, body);
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}
