// Node intl SDK against the emulator, signing mode: TC3-GET.
import { defineModeSuite } from "./suite.mjs";

defineModeSuite("TC3-GET");
