/**
 * CLI entry point (`sweep`, or `npm run sweep -- <command>` from a checkout).
 * The only place that reads process.argv; commands live in src/cli/commands/.
 */
import { main } from '../src/cli/main';

void main(process.argv);
