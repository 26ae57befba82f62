// The installed server version, read once per image and run: every container of
// an image has the same files, and each read is a `docker exec`, a process started
// in the container (the isolated mode boots two containers per cell of one image).

/** `read` for the first container of `image` that gets here; the answer it gave for later ones. A failed read is not kept. */
export async function imageVersion(image: string, known: Map<string, string> | undefined, read: () => Promise<string>): Promise<string> {
  const seen = known?.get(image);
  if (seen !== undefined) return seen;
  const version = await read();
  known?.set(image, version);
  return version;
}
