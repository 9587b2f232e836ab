/** A message for a view's live region. */
export interface StatusMessage {
  text: string;
  tone: 'info' | 'success' | 'error';
}
