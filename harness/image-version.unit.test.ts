import { expect, test } from "vitest";
import { imageVersion } from "./image-version.ts";

test("each image's version is read once; another image is read on its own; a failed read is tried again", async () => {
  const reads: string[] = [];
  const reader = (image: string, answer: string | Error) => () => {
    reads.push(image);
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  const known = new Map<string, string>();
  expect(await imageVersion("prosody:13.0.7-a", known, reader("prosody:13.0.7-a", "13.0.7"))).toBe("13.0.7");
  expect(await imageVersion("prosody:13.0.7-a", known, reader("prosody:13.0.7-a", "never read"))).toBe("13.0.7");
  await expect(imageVersion("ejabberd:26.07-b", known, reader("ejabberd:26.07-b", new Error("exec timed out")))).rejects.toThrow("exec timed out");
  expect(await imageVersion("ejabberd:26.07-b", known, reader("ejabberd:26.07-b", "26.07"))).toBe("26.07");
  expect(reads).toEqual(["prosody:13.0.7-a", "ejabberd:26.07-b", "ejabberd:26.07-b"]);
  // Without a map (a single start), every call reads.
  expect(await imageVersion("prosody:13.0.7-a", undefined, reader("prosody:13.0.7-a", "13.0.7"))).toBe("13.0.7");
  expect(reads).toHaveLength(4);
});
