// The peer of bench_salesforce_sync: jsforce (npm) upserting the same Task records into the
// fake Salesforce through sObject Collections (conn.upsert with an array: PATCH
// composite/sobjects/Task/<extid>, 200 records a call), `concurrency` calls in flight.
// Usage: node salesforce_jsforce.js URL RECORDS CONCURRENCY   -> prints {"ms", "calls", "ok"}
const path = require('path');
// jsforce 3 pulls in undici 8, which binds zlib's zstd decoder at load time: Node 22 has it,
// Debian's Node 20 does not. The fake never sends zstd, so a stub that refuses is enough.
const zlib = require('zlib');
if (!zlib.createZstdDecompress)
  zlib.createZstdDecompress = () => { throw new Error('zstd is not supported by this Node'); };
const workerThreads = require('worker_threads');
if (!workerThreads.markAsUncloneable) workerThreads.markAsUncloneable = () => {};
if (!Promise.withResolvers)
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((yes, no) => { resolve = yes; reject = no; });
    return {promise, resolve, reject};
  };
const jsforce = require(path.join(__dirname, '..', 'node_modules', 'jsforce'));

async function main() {
  const [url, recordsArg, concurrencyArg] = process.argv.slice(2);
  const total = Number(recordsArg);
  const concurrency = Number(concurrencyArg);
  const tokenResponse = await fetch(url + '/services/oauth2/token', {
    method: 'POST',
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: 'grant_type=client_credentials&client_id=3MVG9FAKE&client_secret=fake-secret',
  });
  const token = await tokenResponse.json();
  const conn = new jsforce.Connection({instanceUrl: token.instance_url,
                                       accessToken: token.access_token, version: '62.0',
                                       maxRequest: Math.max(10, concurrency)});
  const records = [];
  for (let i = 0; i < total; ++i)
    records.push({Touchpoint_Id__c: 'tp-task-' + i, Subject: 'Call prospect ' + i,
                  Status: 'Not Started', Priority: 'Normal', ActivityDate: '2026-03-02',
                  TaskSubtype: 'Call', OwnerId: '0055e000001AnnAAA', CallType: 'Outbound',
                  Description: 'Sequence: Nordic outbound, step 2'});
  const chunks = [];
  for (let i = 0; i < records.length; i += 200) chunks.push(records.slice(i, i + 200));
  let next = 0, ok = 0, calls = 0;
  const start = process.hrtime.bigint();
  async function worker() {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      const results = await conn.upsert('Task', chunk, 'Touchpoint_Id__c', {allOrNone: false});
      ++calls;
      for (const r of results) if (r.success) ++ok;
    }
  }
  await Promise.all(Array.from({length: concurrency}, worker));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(JSON.stringify({ms, calls, ok}));
}

main().catch((e) => { console.error(e); process.exit(1); });
