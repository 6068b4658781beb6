// Files into frames: a file list (input or drop), a dropped folder (walked recursively), kept in
// name order so a slide's frames come in the scanner's order.

/** What the station takes from a file list: images, including TIFFs it cannot decode (each one
 * becomes a failed frame that says why, rather than vanishing from a folder unmentioned). */
const IMAGE_NAME = /\.(jpe?g|png|tiff?)$/i;
/** The file picker offers only what Chromium decodes. */
export const DECODABLE_IMAGE_TYPES = 'image/jpeg,image/png,.jpg,.jpeg,.png';

/** Why a file of this name cannot be analyzed here ("CODE: what to do"), or null when it can. */
export function undecodableImage(name: string): string | null {
  return /\.tiff?$/i.test(name)
    ? 'UNSUPPORTED_FORMAT: this browser cannot decode TIFF; save the frame as PNG or JPEG and open it again'
    : null;
}

/** The image files among `files`, sorted by their path (folder inputs give relative paths). */
export function imageFiles(files: Iterable<File>): File[] {
  return [...files].filter((file) => IMAGE_NAME.test(file.name)).sort((a, b) => fileLabel(a).localeCompare(fileLabel(b)));
}

/** A file's label: its path in a chosen folder, else its name. */
export function fileLabel(file: File): string {
  return file.webkitRelativePath || file.name;
}

/** The files of a drop, folders walked recursively (Chromium's entries API). */
export async function droppedFiles(transfer: DataTransfer): Promise<File[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry()).filter((entry): entry is FileSystemEntry => entry !== null);
  if (entries.length === 0) return imageFiles(transfer.files);
  const files: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      files.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in chunks (100 in Chromium) until an empty one.
      for (;;) {
        const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (chunk.length === 0) break;
        for (const child of chunk) await walk(child);
      }
    }
  };
  for (const entry of entries) await walk(entry);
  return imageFiles(files);
}
