import { DockerfileRefusal, dockerfileDialTargets } from './dockerfile-reader';

type Args = Record<string, string | null>;
const hosts = (text: string, buildArgs?: Args) => dockerfileDialTargets(text, { buildArgs }).map((t) => `${t.field} ${t.host}`);
const refusal = (text: string, buildArgs?: Args): DockerfileRefusal => {
  try {
    dockerfileDialTargets(text, { buildArgs });
  } catch (error) {
    if (error instanceof DockerfileRefusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('dockerfileDialTargets', () => {
  it.each<[string, string, Args | undefined, string[]]>([
    ['plain FROM on Docker Hub', 'FROM busybox\nRUN true\n', undefined, []],
    ['registry FROM', 'FROM localhost:5000/x\n', undefined, ['Dockerfile:1 FROM localhost:5000']],
    ['lower-case instruction', 'from 127.0.0.1:5000/x', undefined, ['Dockerfile:1 FROM 127.0.0.1:5000']],
    ['--platform flag', 'FROM --platform=linux/amd64 localhost/x AS a', undefined, ['Dockerfile:1 FROM localhost']],
    ['scratch', 'FROM scratch\nCOPY a /a', undefined, []],
    ['an undeclared proxy build arg in FROM (the builder allows those)', 'FROM ${HTTP_PROXY}/x\n', { HTTP_PROXY: '127.0.0.1:5000' }, ['Dockerfile:1 FROM 127.0.0.1:5000']],
    ['an undeclared other build arg in FROM (the builder ignores it)', 'FROM busybox${TAG}\n', { TAG: ':5000/x' }, []],
    ['stage name is not an image', 'FROM busybox AS Build\nFROM build\nCOPY --from=BUILD /a /b\nCOPY --from=0 /a /b', undefined, []],
    ['COPY --from an image', 'FROM busybox\nCOPY --from=127.0.0.1:5000/img /a /b', undefined, ['Dockerfile:2 COPY --from 127.0.0.1:5000']],
    ['COPY --from with other flags', 'FROM busybox\nCOPY --chown=1:1 --from="localhost:5000/i" /a /b', undefined, ['Dockerfile:2 COPY --from localhost:5000']],
    ['ADD URL', 'FROM busybox\nADD http://169.254.169.254/latest/meta-data/ /x', undefined, ['Dockerfile:2 ADD 169.254.169.254']],
    ['ADD JSON form', 'FROM busybox\nADD ["http://[::1]:8080/a", "/x"]', undefined, ['Dockerfile:2 ADD [::1]:8080']],
    ['ADD local file', 'FROM busybox\nADD a.tar /x', undefined, []],
    ['ADD quoted URL', 'FROM busybox\nADD "http://127.0.0.1/a" /x', undefined, ['Dockerfile:2 ADD 127.0.0.1']],
    ['ADD escaped URL', 'FROM busybox\nADD ht\\tp://127.0.0.1/a /x', undefined, ['Dockerfile:2 ADD 127.0.0.1']],
    ['continuation', 'FROM \\\n  # comment\n\n  localhost:5000/x', undefined, ['Dockerfile:1 FROM localhost:5000']],
    ['continuation across lines numbers the first', 'FROM busybox\nRUN a \\\n b\nADD \\\nhttp://127.0.0.1/ /x', undefined, ['Dockerfile:4 ADD 127.0.0.1']],
    ['comment is not an instruction', '# FROM localhost:5000/x\nFROM busybox', undefined, []],
    ['escape directive', '# escape=`\nFROM busybox\nADD `\n http://127.0.0.1/ /x', undefined, ['Dockerfile:3 ADD 127.0.0.1']],
    ['ARG expansion $VAR', 'ARG REG=localhost:5000\nFROM $REG/x', undefined, ['Dockerfile:2 FROM localhost:5000']],
    ['ARG overridden by buildargs', 'ARG REG\nFROM ${REG}/x', { REG: '127.0.0.1:5000' }, ['Dockerfile:2 FROM 127.0.0.1:5000']],
    ['buildargs override default', 'ARG REG=docker.io\nFROM ${REG}/library/busybox', { REG: 'localhost:1' }, ['Dockerfile:2 FROM localhost:1']],
    ['${VAR:-x} unset', 'ARG REG\nFROM ${REG:-localhost:5000}/x', undefined, ['Dockerfile:2 FROM localhost:5000']],
    ['${VAR:+x} set', 'ARG REG=1\nFROM ${REG:+localhost:5000/}x', undefined, ['Dockerfile:2 FROM localhost:5000']],
    ['${VAR:+x} unset', 'ARG REG\nFROM ${REG:+localhost:5000/}busybox', undefined, []],
    ['undeclared buildarg is not seen by FROM', 'FROM ${REG:-busybox}', { REG: 'localhost:5000/x' }, []],
    ['ARG after FROM is not seen by FROM', 'FROM busybox\nARG REG=localhost:5000\nFROM ${REG:-busybox}', undefined, []],
    ['ARG default from another ARG', 'ARG A=localhost\nARG B=$A:5000\nFROM $B/x', undefined, ['Dockerfile:3 FROM localhost:5000']],
    ['stage ARG used by ADD', 'FROM busybox\nARG U=http://127.0.0.1/\nADD $U /x', undefined, ['Dockerfile:3 ADD 127.0.0.1']],
    ['stage ENV used by ADD', 'FROM busybox\nENV U=http://169.254.169.254/\nADD ${U} /x', undefined, ['Dockerfile:3 ADD 169.254.169.254']],
    ['legacy ENV', 'FROM busybox\nENV U http://169.254.169.254/\nADD ${U} /x', undefined, ['Dockerfile:3 ADD 169.254.169.254']],
    ['redeclared global ARG', 'ARG U=http://127.0.0.1/\nFROM busybox\nARG U\nADD $U /x', undefined, ['Dockerfile:4 ADD 127.0.0.1']],
    ['ONBUILD ADD', 'FROM busybox\nONBUILD ADD http://127.0.0.1/ /x', undefined, ['Dockerfile:2 ONBUILD ADD 127.0.0.1']],
    ['ONBUILD COPY --from', 'FROM busybox\nonbuild copy --from=localhost/x /a /b', undefined, ['Dockerfile:2 ONBUILD COPY --from localhost']],
    ['CRLF and BOM', '\uFEFFFROM localhost:5000/x\r\n', undefined, ['Dockerfile:1 FROM localhost:5000']],
    ['U+FEFF is not blank to the parser', 'FROM busybox\nRUN echo \\\n\uFEFF\nFROM localhost:5000/x', undefined, ['Dockerfile:4 FROM localhost:5000']],
    ['NBSP-indented comment inside a continuation', 'FROM busybox\nRUN echo \\\n\u00a0# c \nADD http://127.0.0.1/ /x', undefined, []],
    ['an AS that is not a stage name', 'FROM busybox AS localhost:5000/x\nFROM localhost:5000/x', undefined, ['Dockerfile:2 FROM localhost:5000']],
    ['an unknown meta ARG that FROM does not use', 'ARG Y=a\nARG X=${Y#a}\nFROM busybox', undefined, []],
    ['ENV PATH from the image is fine when unused', 'FROM busybox\nENV PATH=/app:$PATH\nADD http://example.com/a /x', undefined, ['Dockerfile:3 ADD example.com']],
    ['quoted FROM', "FROM 'local'host:5000/x", undefined, ['Dockerfile:1 FROM localhost:5000']],
  ])('%s', (_name, text, buildArgs, expected) => {
    expect(hosts(text, buildArgs)).toEqual(expected);
  });

  it('reads a file with the escape character its directive sets', () => {
    // With ` as the escape character, `RUN echo \` does not continue into the ADD line.
    const text = '# escape=`\nFROM busybox\nRUN echo \\\nADD http://127.0.0.1/ /x';
    expect(hosts(text)).toEqual(['Dockerfile:4 ADD 127.0.0.1']);
  });

  it.each<[string, string, Args | undefined, string]>([
    ['$ left after expansion', 'FROM a$/x', undefined, 'still contains "$"'],
    ['a substitution the builder does not know (${R#x}, "missing \':\'")', 'ARG R=x\nFROM ${R#x}', undefined, 'cannot tell'],
    ['variable from the base image', 'FROM busybox\nADD $URL /x', undefined, 'not known before the build'],
    ['variable from the base image in --from', 'FROM busybox\nCOPY --from=$IMG /a /b', undefined, 'not known before the build'],
    ['variable in ONBUILD', 'FROM busybox\nARG U=x\nONBUILD ADD $U /x', undefined, 'not known before the build'],
    ['a meta ARG whose value cannot be worked out', 'ARG Y=xlocalhost:5000/i\nARG X=${Y#x}\nFROM $X', undefined, 'cannot be worked out'],
    ['an ENV built from a base-image variable', 'FROM busybox\nENV U=${BASE_URL}x\nADD $U /x', undefined, 'not known before the build'],
    ['an ARG built from a base-image variable', 'FROM busybox\nARG U=$BASE/x\nCOPY --from=$U /a /b', undefined, 'not known before the build'],
    ['heredoc', 'FROM busybox\nRUN <<EOF\necho\nEOF', undefined, 'heredocs'],
    ['heredoc in COPY', 'FROM busybox\nCOPY <<EOF /x\nhi\nEOF', undefined, 'heredocs'],
    ['bad escape directive', '# escape=x\nFROM busybox', undefined, 'escape character'],
    ['ADD URL without host', 'FROM busybox\nADD file:///etc/passwd /x', undefined, 'must name a plain host'],
  ])('refuses: %s', (_name, text, buildArgs, reason) => {
    expect(refusal(text, buildArgs).message).toContain(reason);
  });

  it('names the field and rule', () => {
    const error = refusal('FROM busybox\nADD $URL /x');
    expect(error.field).toBe('Dockerfile:2 ADD');
    expect(error.rule).toBe('remote-address');
  });
});
