import http from 'node:http';

/** One PUT with plain node:http (no signing, no hashing); resolves with the status code. */
export function rawPut(url: string, body: Buffer, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'PUT', agent, headers: { 'content-length': body.length } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}
