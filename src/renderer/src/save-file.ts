/**
 * Saves an exported report through the browser's download mechanism (a Blob and an <a download>), which
 * works the same in Electron (where it opens a save dialog) and in a browser tab on the bridge.
 */
import type { ExportedFile } from '../../shared/api';

export function saveFile(file: ExportedFile): void {
  const body = file.encoding === 'base64' ? Uint8Array.from(atob(file.content), (c) => c.charCodeAt(0)) : file.content;
  const url = URL.createObjectURL(new Blob([body], { type: file.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the URL to the download by the time the next task runs.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
