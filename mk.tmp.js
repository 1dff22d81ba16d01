const { AuditStore } = require('./dist/apps/proxy/apps/proxy/src/audit/audit-store');
const fs = require('fs');
const s = new AuditStore('/tmp/fulltest-bMlX/audit.db');
for (let i = 0; i < 300; i++) s.insert({ time: '2020-01-01T00:00:00.000Z', requestId: 'old-'+i, client: 'c', method: 'POST', route: '/v', routeClass: 'validated', path: '/v', decision: 'allowed', rules: [], messages: [], status: 201, durationMs: 1 });
s.close();
const fd = fs.openSync('/tmp/fulltest-bMlX/filler', 'w'); const b = Buffer.alloc(4096, 1);
try { for (;;) fs.writeSync(fd, b); } catch {}
fs.closeSync(fd);
if (process.argv[2] === 'room') fs.truncateSync('/tmp/fulltest-bMlX/filler', fs.statSync('/tmp/fulltest-bMlX/filler').size - 36*1024);
