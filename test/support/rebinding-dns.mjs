// A DNS server for the rebinding test: each name answers its addresses in
// turn (A queries only; the last one repeats), with TTL 0 so that nothing
// caches. Other names get REFUSED, so that a resolver falls through to the
// machine's next nameserver. One JSON line per query goes to stdout.
//
// usage: node rebinding-dns.mjs '{"name.test": ["192.0.2.1", "127.0.0.1"]}' [bind address]
import { createSocket } from 'node:dgram';

const answers = JSON.parse(process.argv[2]);
const asked = new Map();
const TYPE_A = 1;

function questionOf(message) {
  const labels = [];
  let offset = 12;
  while (message[offset] !== 0) {
    labels.push(message.subarray(offset + 1, offset + 1 + message[offset]).toString('latin1'));
    offset += message[offset] + 1;
  }
  const end = offset + 5;
  return { name: labels.join('.').toLowerCase(), type: message.readUInt16BE(offset + 1), bytes: message.subarray(12, end) };
}

function reply(query, question, address) {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  const known = question.name in answers;
  // QR, the query's opcode and RD, RA; rcode 5 (REFUSED) for names not ours.
  header.writeUInt16BE(0x8080 | (query.readUInt16BE(2) & 0x7900) | (known ? 0 : 5), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(address ? 1 : 0, 6);
  if (!address) return Buffer.concat([header, question.bytes]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0);
  record.writeUInt16BE(TYPE_A, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(0, 6);
  record.writeUInt16BE(4, 10);
  address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
  return Buffer.concat([header, question.bytes, record]);
}

const server = createSocket('udp4');
server.on('message', (query, peer) => {
  if (query.length < 17) return;
  const question = questionOf(query);
  let address;
  if (question.name in answers && question.type === TYPE_A) {
    const turn = asked.get(question.name) ?? 0;
    asked.set(question.name, turn + 1);
    const list = answers[question.name];
    address = list[Math.min(turn, list.length - 1)];
  }
  process.stdout.write(`${JSON.stringify({ name: question.name, type: question.type, answer: address ?? null, from: peer.address })}\n`);
  server.send(reply(query, question, address), peer.port, peer.address);
});
server.bind(53, process.argv[3] ?? '0.0.0.0', () => process.stdout.write('{"listening":true}\n'));
