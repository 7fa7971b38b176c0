/**
 * A notice as SNS delivers it to each kind of subscriber (MessageStructure `json`): the text to email and every
 * other protocol, and to HTTPS, where Amazon Q Developer in chat applications (AWS Chatbot) subscribes, the
 * custom notification it renders. It renders AWS services' events and that schema only: a plain text notice
 * reached no Slack or Teams channel. https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */
export interface SnsMessage {
  readonly Message: string;
  readonly MessageStructure: 'json';
}

/** The chat notification's description is cut here (the text's first part, then a note): chat is no place for pages. */
const CHAT_DESCRIPTION_CHARS = 4000;

export function snsMessage(notice: {
  readonly title: string;
  readonly text: string;
  /** Shown as tags in the chat (the target, the reason). */
  readonly keywords: readonly string[];
}): SnsMessage {
  const description =
    notice.text.length <= CHAT_DESCRIPTION_CHARS
      ? notice.text
      : `${notice.text.slice(0, CHAT_DESCRIPTION_CHARS)}… (cut; the email has it whole)`;
  const chat = {
    version: '1.0',
    source: 'custom',
    content: { title: notice.title, description, keywords: [...notice.keywords] },
    metadata: { summary: notice.title },
  };
  return {
    MessageStructure: 'json',
    Message: JSON.stringify({ default: notice.text, email: notice.text, https: JSON.stringify(chat) }),
  };
}

/**
 * The attributes of a message that tells many targets one thing: `target` lists them all (String.Array), so a
 * subscription filter policy on any one of them matches it; `reason` as on a single target's message.
 */
export function manyTargetsAttributes(targets: readonly string[], reason: string) {
  return {
    target: { DataType: 'String.Array', StringValue: JSON.stringify(targets) },
    reason: { DataType: 'String', StringValue: reason },
  };
}
