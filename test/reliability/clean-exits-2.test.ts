/** Part 2 of 2 of the clean-exit check (test/reliability/clean-exits.ts says what it runs). */
import { cleanExitTest } from './clean-exits.js';

cleanExitTest(2, 2);
