// A button that discards a slide acts on a second click within a few seconds: the first one only
// asks, so a stray tap on a kiosk never loses a review.

const CONFIRM_MS = 5000;

/** Calls `action` when `button` is clicked twice within 5 s; the first click shows `question` on it. */
export function onConfirmedClick(button: HTMLButtonElement, question: string, action: () => void): void {
  const label = button.textContent;
  let until = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  button.addEventListener('click', () => {
    clearTimeout(timer);
    if (Date.now() > until) {
      until = Date.now() + CONFIRM_MS;
      button.textContent = question;
      timer = setTimeout(() => (button.textContent = label), CONFIRM_MS);
      return;
    }
    until = 0;
    button.textContent = label;
    action();
  });
}
