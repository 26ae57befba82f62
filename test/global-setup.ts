// Integration tests need a Docker engine: fail at once, with the fix, when none answers.
import { docker } from "../harness/docker/client.ts";

export default async function setup(): Promise<void> {
  await docker();
}
