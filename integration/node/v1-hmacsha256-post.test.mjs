// Node intl SDK against the emulator, signing mode: v1-HmacSHA256-POST (SDK default).
import { defineModeSuite } from "./suite.mjs";

defineModeSuite("v1-HmacSHA256-POST (SDK default)");
