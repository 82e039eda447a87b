import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { api, onUnauthorized, setCsrfToken, unwrap, type Schemas } from "./api/client";
import { setDisplayTimeZone } from "./lib/format";

type User = Schemas["UserOut"];

interface AuthState {
  user: User | null;
  checking: boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: React.ReactNode }) {
  const [user, setSignedIn] = useState<User | null>(null);
  // every date the console shows is in the account's time zone (lib/format.ts dateTime)
  const setUser = useCallback((u: User | null) => {
    setDisplayTimeZone(u?.timeZone ?? undefined);
    setSignedIn(u);
  }, []);
  const [checking, setChecking] = useState(true);

  useEffect(() => {
    api.GET("/api/auth/me").then(
      (r) => {
        if (r.data) {
          setCsrfToken(r.data.csrfToken);
          setUser(r.data.user);
        }
        setChecking(false);
      },
      () => setChecking(false),
    );
    return onUnauthorized(() => {
      setCsrfToken(null);
      setUser(null);
    });
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const out = unwrap(await api.POST("/api/auth/login", { body: { username, password } }));
    setCsrfToken(out.csrfToken);
    setUser(out.user);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.POST("/api/auth/logout");
    } finally {
      setCsrfToken(null);
      setUser(null);
    }
  }, []);

  return <AuthContext.Provider value={{ user, checking, login, logout }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}
