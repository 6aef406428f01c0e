// JSON over Web Storage that never throws: a kiosk with storage disabled or full keeps working
// (set() reports false so callers can tell the participant nothing is kept across a reload).

function wrap(name) {
  function store() {
    try {
      return window[name];
    } catch (e) {
      return null;
    }
  }
  return {
    get(key, fallback) {
      const s = store();
      if (!s) return fallback;
      try {
        const raw = s.getItem(key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return fallback;
      }
    },
    set(key, value) {
      const s = store();
      if (!s) return false;
      try {
        s.setItem(key, JSON.stringify(value));
        return true;
      } catch (e) {
        return false;
      }
    },
    remove(key) {
      const s = store();
      if (!s) return;
      try {
        s.removeItem(key);
      } catch (e) {
        /* nothing to undo */
      }
    },
    keys(prefix) {
      const s = store();
      const out = [];
      if (!s) return out;
      try {
        for (let i = 0; i < s.length; i++) {
          const k = s.key(i);
          if (k !== null && k.indexOf(prefix) === 0) out.push(k);
        }
      } catch (e) {
        /* storage went away */
      }
      return out;
    },
  };
}

export const local = wrap('localStorage');
export const session = wrap('sessionStorage');
