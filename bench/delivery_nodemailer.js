// The peer of bench_delivery: nodemailer with a pool of SMTP connections, sending the rendered
// messages bench_delivery exported (one JSON object a line: messageId, from, to, subject, html,
// text, unsubscribe). The file is read before the timer starts; the timer covers building and
// sending every message. Prints {"sent": N, "seconds": S} as its last line; exits 1 on any
// failed message.
//
//   node delivery_nodemailer.js --port P --messages FILE [--pool 20] [--host 127.0.0.1]
'use strict';

const fs = require('fs');
const nodemailer = require('nodemailer');

function args() {
  const out = { host: '127.0.0.1', pool: 20 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!['port', 'messages', 'pool', 'host'].includes(name) || i + 1 >= argv.length) {
      console.error(`delivery_nodemailer: bad argument ${argv[i]}`);
      process.exit(2);
    }
    out[name] = argv[i + 1];
  }
  if (!out.port || !out.messages) {
    console.error('delivery_nodemailer: --port and --messages are required');
    process.exit(2);
  }
  return out;
}

async function main() {
  const a = args();
  const messages = fs.readFileSync(a.messages, 'utf8').split('\n').filter(Boolean)
    .map((line) => JSON.parse(line));
  const transport = nodemailer.createTransport({
    host: a.host,
    port: Number(a.port),
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: Number(a.pool),
    maxMessages: Infinity,
  });
  const date = new Date();
  // Two messages per pooled connection outstanding at once, refilled as each completes:
  // handing the pool all N at once makes its queue the bottleneck (about 240 msg/s at 100,000).
  const inFlight = 2 * Number(a.pool);
  let next = 0;
  let sent = 0;
  let firstFailure = null;
  const worker = async () => {
    while (next < messages.length) {
      const m = messages[next++];
      try {
        await transport.sendMail({
          messageId: m.messageId,
          date,
          from: m.from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
          list: { unsubscribe: m.unsubscribe.filter(Boolean) },
          headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        });
        ++sent;
      } catch (e) {
        if (!firstFailure) firstFailure = e;
      }
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  transport.close();
  if (firstFailure) console.error(`first failure: ${firstFailure}`);
  console.log(JSON.stringify({ sent, seconds }));
  process.exit(sent === messages.length ? 0 : 1);
}

main().catch((e) => {
  console.error(`delivery_nodemailer: ${e.stack || e}`);
  process.exit(1);
});
