import { access, constants } from "node:fs/promises";
import { chromium, type BrowserContext } from "playwright-core";
import { tempDir, type TempDir } from "../../src/process/child.js";

/*
 * A customer at the store page: Debian's Chromium, headless, driven by playwright-core. The machine
 * has no way out, so everything Chromium would fetch or phone home for on its own is switched off,
 * and it starts from an empty profile.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface StoreBrowser {
  /** Uploads a file through the store page as the customer would; the page's own report of it. */
  upload(storeUrl: string, file: { name: string; mimeType: string; content: Uint8Array }): Promise<BrowserUpload>;
  close(): Promise<void>;
}

export interface BrowserUpload {
  orderId: string | undefined;
  /** The trace the browser started for the upload. */
  traceId: string;
  message: string;
}

/** Debian's Chromium, headless, from an empty temporary profile; closing it removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (scripts/install-shop-deps.sh) or set CHROMIUM_PATH`,
    );
  });
  const profile: TempDir = await tempDir("shop-chromium-");
  let context: BrowserContext;
  try {
    // A persistent context is how playwright takes a profile directory of our choosing (empty, temporary).
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: FLAGS,
      timeout: 30_000,
    });
  } catch (error) {
    await profile.remove();
    throw error;
  }
  return {
    context,
    async close() {
      await context.close();
      await profile.remove();
    },
  };
}

export async function launchStoreBrowser(): Promise<StoreBrowser> {
  const { context, close } = await launchChromium();
  return {
    async upload(storeUrl, file) {
      const page = await context.newPage();
      try {
        await page.goto(storeUrl, { timeout: 15_000 });
        await page.setInputFiles("#file", {
          name: file.name,
          mimeType: file.mimeType,
          buffer: Buffer.from(file.content),
        });
        await page.click("button[type=submit]");
        // The page marks the result once the browser's span is ended and flushed to the Shop API.
        const result = page.locator("#result[data-flushed=true]");
        await result.waitFor({ timeout: 15_000 });
        return {
          orderId: (await result.getAttribute("data-order-id")) ?? undefined,
          traceId: (await result.getAttribute("data-trace-id")) ?? "",
          message: (await result.textContent()) ?? "",
        };
      } finally {
        await page.close();
      }
    },
    close,
  };
}
