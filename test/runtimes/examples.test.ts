// `npm run test:runtimes`: the Hono example on Bun and on Deno (each must be on the PATH, or named
// by BUN / DENO), started as its npm script starts it, answers the demo's story exactly as the
// demo on Node does, and streams the live notice.
import { describeExample, describeLiveNotice } from '../examples/story.js';
import { startDemoProcess, tempDirectory } from '../demo/support.js';
import { npmScript, RUNTIMES } from './runners.js';

for (const [name, binary] of RUNTIMES) {
  const { runner, main } = npmScript(name, binary);
  const start = async () => {
    const dir = tempDirectory();
    const running = await startDemoProcess(dir.path, {}, main, { runner, startupMs: 60_000 });
    return {
      url: running.url,
      close: async () => {
        await running.stop();
        dir.remove();
      },
    };
  };
  describeExample({ name, script: `example:${name}`, start, main, runner });
  describeLiveNotice({ name, start });
}
