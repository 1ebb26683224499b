/**
 * CLI entry point (`sweep`, or `npm run sweep -- <command>` from a checkout).
 * The only place that reads process.argv and sets process-wide environment; commands live in src/cli/commands/.
 */
import { main } from '../src/cli/main';

// The AWS SDK versions are pinned (package.json); its notice that *future* releases will need Node 22
// would otherwise end up in the middle of upload progress bars and receipts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void main(process.argv);
