// The dashboard's texts, handed over by the page in its language (keys "proctor.*").
let messages = {};

export function setMessages(found) {
  messages = found || {};
}

export function t(key, values) {
  let text = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
  if (values) {
    for (const name of Object.keys(values)) text = text.split('{' + name + '}').join(String(values[name]));
  }
  return text;
}

/** Domain errors read "Indonesian. / English."; show the page's half. */
export function inLanguage(detail, lang) {
  if (typeof detail !== 'string') return '';
  const halves = detail.split(' / ');
  return lang === 'en' && halves.length > 1 ? halves.slice(1).join(' / ') : halves[0];
}
