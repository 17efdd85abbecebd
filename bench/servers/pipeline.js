// Sends N requests for / with one cookie over one connection, pipelined in batches of 50, and
// exits when all have been answered 200. Used by bench/instructions.sh.
//   node bench/servers/pipeline.js <port> <cookie> <count>
import net from 'node:net';

const [port, cookie, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\n\r\n`;
const BATCH = 50;
const socket = net.connect(port, '127.0.0.1');
await new Promise((resolve) => socket.once('connect', resolve));

let answered = 0;
let pending = '';
for (let sent = 0; sent < count; sent += BATCH) {
  const batch = Math.min(BATCH, count - sent);
  socket.write(request.repeat(batch));
  await new Promise((resolve) => {
    const onData = (chunk) => {
      pending += chunk.toString('latin1');
      // Every answer is "HTTP/1.1 200 ..." with a 2-byte body; count complete ones.
      let end;
      while ((end = pending.indexOf('\r\n\r\n')) !== -1 && pending.length >= end + 6) {
        if (!pending.startsWith('HTTP/1.1 200')) throw new Error(pending.slice(0, 200));
        pending = pending.slice(end + 6);
        answered++;
      }
      if (answered >= sent + batch) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
}
socket.end();
