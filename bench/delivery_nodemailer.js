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
  const started = process.hrtime.bigint();
  const results = await Promise.allSettled(messages.map((m) => transport.sendMail({
    messageId: m.messageId,
    date,
    from: m.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    list: { unsubscribe: m.unsubscribe.filter(Boolean) },
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  })));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  transport.close();
  const failed = results.filter((r) => r.status !== 'fulfilled');
  if (failed.length) console.error(`first failure: ${failed[0].reason}`);
  console.log(JSON.stringify({ sent: results.length - failed.length, seconds }));
  process.exit(failed.length ? 1 : 0);
}

main().catch((e) => {
  console.error(`delivery_nodemailer: ${e.stack || e}`);
  process.exit(1);
});
