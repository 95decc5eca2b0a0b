// The Telegram bridge, through @telegram-apps/sdk: init data from the launch parameters,
// theme colours as CSS variables, the viewport, and the native Back and Main buttons.
// Outside Telegram (a plain browser) every call fails softly and the page's own buttons serve.
import {
  backButton,
  init,
  mainButton,
  miniApp,
  retrieveLaunchParams,
  retrieveRawInitData,
  themeParams,
  viewport,
} from "@telegram-apps/sdk";

export interface Bridge {
  initData: string;
  languageCode: string;
  native: boolean; // Telegram's Back and Main buttons are there
  setBack(handler: (() => void) | null): void;
  setMain(text: string | null, handler: (() => void) | null, busy?: boolean): void;
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function readLaunch(): { initData: string; languageCode: string; dark: boolean } {
  const raw = attempt(() => retrieveRawInitData()) ?? "";
  const lp = attempt(() => retrieveLaunchParams());
  const user = lp?.tgWebAppData?.user as { language_code?: string } | undefined;
  const bg = lp?.tgWebAppThemeParams?.bg_color;
  return { initData: raw, languageCode: user?.language_code ?? "", dark: isDark(bg) };
}

function isDark(hex: string | undefined): boolean {
  if (!hex || !/^#[0-9a-f]{6}$/i.test(hex)) return false;
  const n = parseInt(hex.slice(1), 16);
  const lum = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return lum < 128;
}

export function connect(): Bridge {
  const launch = readLaunch();
  document.documentElement.dataset.scheme = launch.dark ? "dark" : "light";
  // No custom styles from the client: they would be an inline <style>, refused by our CSP.
  const inTelegram = attempt(() => {
    init({ acceptCustomStyles: false });
    return true;
  });
  if (inTelegram) {
    attempt(() => {
      themeParams.mountSync();
      themeParams.bindCssVars();
    });
    attempt(() => miniApp.mountSync());
    attempt(() => {
      void viewport
        .mount()
        .then(() => {
          viewport.bindCssVars();
          if (!viewport.isExpanded()) viewport.expand();
        })
        .catch(() => undefined);
    });
    attempt(() => backButton.mount());
    attempt(() => mainButton.mount());
    attempt(() => miniApp.ready());
  }
  const native = Boolean(attempt(() => backButton.isMounted() && mainButton.isMounted()));
  let offBack: (() => void) | null = null;
  let offMain: (() => void) | null = null;
  return {
    initData: launch.initData,
    languageCode: launch.languageCode,
    native,
    setBack(handler) {
      if (!native) return;
      offBack?.();
      offBack = null;
      attempt(() => {
        if (handler) {
          offBack = backButton.onClick(handler);
          backButton.show();
        } else backButton.hide();
      });
    },
    setMain(text, handler, busy = false) {
      if (!native) return;
      offMain?.();
      offMain = null;
      attempt(() => {
        if (text && handler) {
          offMain = mainButton.onClick(handler);
          mainButton.setParams({
            text,
            isVisible: true,
            isEnabled: !busy,
            isLoaderVisible: busy,
          });
        } else mainButton.setParams({ isVisible: false, isLoaderVisible: false });
      });
    },
  };
}
