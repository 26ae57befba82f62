// Both spellings of the extauth program, run by the interpreter the image has
// (perl, sh), answering ejabberd's {packet, 2} requests.
import { spawn, spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { ejabberdAuthScript, type ExtauthLanguage } from "./ejabberd-extauth.ts";

const frame = (s: string): Buffer => {
  const body = Buffer.from(s);
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 255]), body]);
};
/** The answers, each [length hi, length lo, 0, ok]. */
const answers = (out: Buffer): number[][] => [...out].reduce<number[][]>((a, b, i) => (i % 4 ? a[a.length - 1].push(b) : a.push([b]), a), []);
const answered = (...oks: number[]) => oks.map((ok) => [0, 2, 0, ok]);

const LANGUAGES: ExtauthLanguage[] = ["perl", "sh"];
const run = (language: ExtauthLanguage, users: { username: string; password: string }[], input: Buffer) =>
  spawnSync(language, [language === "perl" ? "-e" : "-c", ejabberdAuthScript(users, language)], { input });

describe.each(LANGUAGES)("the %s extauth", (language) => {
  test("accepts only the run's probe users with their password", () => {
    const users = [{ username: "probe", password: "Ab3-x_9:y" }];
    const long = `auth:probe:c1-a.example:${"x".repeat(300)}`; // length > 255: both length bytes matter
    const requests = [
      "auth:probe:c1-a.example:Ab3-x_9:y", // yes: a ':' in the password is part of it
      "isuser:probe:c2-b.example", // yes
      "auth:probe:c1-a.example:wrong", // wrong password
      "auth:probe:c1-a.example:", // empty password
      "auth:probe:c1-a.example:Ab3-x_9:y2", // the password and more
      "auth:admin:c1-a.example:Ab3-x_9:y", // another user, the right password
      "isuser:admin:c2-b.example", // another user
      "isuser:probe", // no server
      "setpass:probe:c1-a.example:new", // anything else
      "", // an empty request
      long,
      "auth:probe:c1-a.example:Ab3-x_9:y", // still answering after all that
    ];
    const r = run(language, users, Buffer.concat(requests.map(frame)));
    expect(r.status).toBe(0);
    expect(answers(r.stdout)).toEqual(answered(1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
  });

  test("passwords with quotes, backslashes, dollars and non-ASCII are compared as they are", () => {
    const users = [
      { username: "probe", password: `a'b"c\\d$e@f\`g` },
      { username: "other", password: "pässwört ✓" },
    ];
    const r = run(language, users, Buffer.concat([
      frame(`auth:probe:c1-a.example:a'b"c\\d$e@f\`g`),
      frame(`auth:probe:c1-a.example:a'b"c\\\\d$e@f\`g`),
      frame("auth:other:c1-a.example:pässwört ✓"),
      frame("auth:other:c1-a.example:passwort"),
    ]));
    expect(answers(r.stdout)).toEqual(answered(1, 0, 1, 0));
  });

  test("ends with exit 0 when ejabberd closes its end, also in the middle of a request", () => {
    const users = [{ username: "probe", password: "pw" }];
    const r = run(language, users, Buffer.concat([frame("isuser:probe:c1-a.example"), frame("auth:probe:c1-a.example:pw").subarray(0, 5)]));
    expect(r.status).toBe(0);
    // The cut request is never a yes (sh answers no to what it could read, Perl nothing).
    const [first, ...rest] = answers(r.stdout);
    expect(first).toEqual([0, 2, 0, 1]);
    expect(rest.filter((a) => a[3] !== 0)).toEqual([]);
  });
});

test("the Perl program waits for the rest of a request that arrives in parts", async () => {
  const child = spawn("perl", ["-e", ejabberdAuthScript([{ username: "probe", password: "pw" }], "perl")]);
  let out = Buffer.alloc(0);
  let onData = () => {};
  child.stdout.on("data", (b: Buffer) => ((out = Buffer.concat([out, b])), onData()));
  const answersReach = (n: number) =>
    new Promise<void>((resolve) => (onData = () => void (out.length >= 4 * n && resolve()))).then(() => undefined);
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  const [a, b, c, d] = ["isuser:probe:c1-a.example", "auth:probe:c1-a.example:pw", "isuser:nobody:c1-a.example", "auth:probe:c2-b.example:pw"].map(frame);
  // Each write ends inside a request, after one whose answer is awaited: once it is
  // answered, the program's next read can only get the part written so far.
  let reached = answersReach(1);
  child.stdin.write(Buffer.concat([a, b.subarray(0, 1)])); // b cut inside its length
  await reached;
  reached = answersReach(3);
  child.stdin.write(Buffer.concat([b.subarray(1), c, d.subarray(0, 5)])); // d cut inside its body
  await reached;
  child.stdin.end(d.subarray(5));
  expect(await closed).toBe(0);
  expect(answers(out)).toEqual(answered(1, 1, 0, 1));
});
