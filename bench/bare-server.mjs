// The ceiling: a bare node:http server sending fixed bytes from memory with one content-type.
// Usage: node bench/bare-server.mjs <port> <body file> <content-type>
import fs from 'node:fs';
import http from 'node:http';

const [port, file, contentType] = process.argv.slice(2);
const body = fs.readFileSync(file);
const length = String(body.length);
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': length });
    res.end(body);
  })
  .listen(Number(port), '127.0.0.1');
