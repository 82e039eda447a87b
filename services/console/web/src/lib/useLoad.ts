import { useCallback, useEffect, useRef, useState } from "react";

/** Runs `load` whenever `deps` change; keeps the last data while reloading (no flicker on paging).
 * `refresh` loads again without raising `loading` (a poll: the shown data is replaced in place). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const quiet = useRef(false);
  useEffect(() => {
    const mine = ++seq.current;
    if (!quiet.current) setLoading(true);
    quiet.current = false;
    load().then(
      (value) => {
        if (mine !== seq.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err) => {
        if (mine !== seq.current) return;
        setError(err);
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const refresh = useCallback(() => {
    quiet.current = true;
    setTick((t) => t + 1);
  }, []);
  return { data, error, loading, reload, refresh };
}
