import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A compose project of two services on the project's network: `web` serves
 * `compose-ok` over HTTP on 8080 from a named volume's container, `client`
 * sleeps, for `exec … wget http://web:8080/`. Written to `dir/docker-compose.yml`.
 */
export function writeWebAndClientProject(dir: string, image: string): void {
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    [
      "version: '3.7'",
      'services:',
      '  web:',
      `    image: ${image}`,
      "    command: ['sh', '-c', 'mkdir -p /www && echo compose-ok > /www/index.html && httpd -f -p 8080 -h /www']",
      '    volumes: ["webdata:/data"]',
      '    read_only: false',
      '    mem_limit: 64m',
      '  client:',
      `    image: ${image}`,
      "    command: ['sleep', '300']",
      '    depends_on: [web]',
      '    cap_drop: [ALL]',
      'volumes:',
      '  webdata: {}',
      '',
    ].join('\n'),
  );
}
