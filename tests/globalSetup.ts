import { ensureChromium } from '../bin/lib/chromium';
import { pythonTool } from '../bin/lib/pythonTools';

/** Installs the Python tools (and Debian's Chromium, for the report test) once, before any test file runs, so parallel files never race to create a venv. */
export default function setup() {
  pythonTool('emulator', 'moto_server');
  pythonTool('checks', 'checkov');
  ensureChromium();
}
