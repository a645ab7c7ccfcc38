// Node intl SDK against the emulator, signing mode: TC3-POST.
import { defineModeSuite } from "./suite.mjs";

defineModeSuite("TC3-POST");
