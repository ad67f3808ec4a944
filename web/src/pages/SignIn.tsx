// Sign in: password, then the MFA code when the account has MFA, or the first-login password change.
import { useState, type FormEvent } from "react";
import { api, problemText } from "../api/client";
import { session } from "../session";

type Step = "password" | "mfa" | "change";

export function SignIn() {
  const [step, setStep] = useState<Step>("password");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  const signIn = async (withPassword: string, withCode?: string) => {
    const { data, error: problem, response } = await api.POST("/api/v1/auth/login", {
      body: { email, password: withPassword, code: withCode || null },
    });
    if (!data) throw new Error(problemText(problem, response));
    if (data.status === "mfa_required") setStep("mfa");
    else if (data.status === "password_change_required") setStep("change");
    else if (data.access_token && data.refresh_token) session.store(data.access_token, data.refresh_token);
  };

  const changePassword = async () => {
    if (newPassword !== repeat) throw new Error("The two new passwords differ.");
    const { error: problem, response } = await api.POST("/api/v1/auth/password", {
      body: { email, current_password: password, new_password: newPassword },
    });
    if (!response.ok) throw new Error(problemText(problem, response));
    setPassword(newPassword);
    setNotice("Password changed.");
    await signIn(newPassword);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (step === "change") await changePassword();
      else await signIn(password, step === "mfa" ? code : undefined);
    } catch (reason) {
      setError(reason instanceof Error ? reason.message : String(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <form className="panel" onSubmit={submit} aria-labelledby="signin-title">
        <div className="brand" style={{ padding: 0 }}>
          <img src="/favicon.svg" alt="" width={30} height={30} />
          <h1 id="signin-title" style={{ margin: 0 }}>
            {step === "change" ? "Choose a new password" : "Sign in to Hexad"}
          </h1>
        </div>
        {step === "password" && (
          <>
            <label>
              Email
              <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
            </label>
            <label>
              Password
              <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </>
        )}
        {step === "mfa" && (
          <label>
            Code from your authenticator app
            <input inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6,8}" required value={code} onChange={(e) => setCode(e.target.value)} autoFocus />
          </label>
        )}
        {step === "change" && (
          <>
            <p className="muted" style={{ margin: 0 }}>
              This was a one-time password. Choose your own: at least 8 characters with an upper-case letter, a lower-case letter, a digit and a symbol.
            </p>
            <label>
              New password
              <input type="password" autoComplete="new-password" required value={newPassword} onChange={(e) => setNewPassword(e.target.value)} autoFocus />
            </label>
            <label>
              New password again
              <input type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
            </label>
          </>
        )}
        {error && (
          <div className="error-text" role="alert">
            {error}
          </div>
        )}
        {notice && <div role="status">{notice}</div>}
        <button className="primary" type="submit" disabled={busy}>
          {step === "change" ? "Change password and sign in" : step === "mfa" ? "Verify" : "Sign in"}
        </button>
        {step !== "password" && (
          <button type="button" onClick={() => setStep("password")}>
            Back
          </button>
        )}
      </form>
    </div>
  );
}
