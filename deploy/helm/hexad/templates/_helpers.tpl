{{/* Names, labels and the parts every Hexad pod shares. */}}
{{- define "hexad.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hexad.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "hexad.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hexad.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "hexad.secretName" -}}
{{ .Values.existingSecret | default (printf "%s-secrets" (include "hexad.fullname" .)) }}
{{- end -}}

{{/* The settings (HEXAD_* variables) from the ConfigMap and the Secret. */}}
{{- define "hexad.envFrom" -}}
- configMapRef:
    name: {{ include "hexad.fullname" . }}-config
- secretRef:
    name: {{ include "hexad.secretName" . }}
{{- end -}}

{{/*
The migrations hook runs before the release's own ConfigMap and Secret exist (pre-install), so it reads
hook copies of them; the release keeps its own, which `helm rollback` restores and `helm uninstall` removes.
*/}}
{{- define "hexad.migrationsEnvFrom" -}}
- configMapRef:
    name: {{ include "hexad.fullname" . }}-migrations-config
- secretRef:
    name: {{ .Values.existingSecret | default (printf "%s-migrations-secrets" (include "hexad.fullname" .)) }}
{{- end -}}

{{/* The ConfigMap's data, shared by the release's ConfigMap and the migrations hook's copy. */}}
{{- define "hexad.configData" -}}
HEXAD_PROFILE: {{ .Values.config.profile | quote }}
HEXAD_HOME: "/var/lib/hexad"
HEXAD_NATS_URL: {{ .Values.config.natsUrl | quote }}
HEXAD_OBJECT_STORE_URL: {{ .Values.config.objectStoreUrl | quote }}
{{- with .Values.config.s3EndpointUrl }}
HEXAD_S3_ENDPOINT_URL: {{ . | quote }}
{{- end }}
HEXAD_AWS_REGION: {{ .Values.config.awsRegion | quote }}
HEXAD_LLM_PROVIDER: {{ .Values.config.llmProvider | quote }}
{{- with .Values.config.llmModel }}
HEXAD_LLM_MODEL: {{ . | quote }}
{{- end }}
{{- with .Values.config.openaiBaseUrl }}
HEXAD_OPENAI_BASE_URL: {{ . | quote }}
{{- end }}
HEXAD_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
{{- end -}}

{{/* The Secret's data (unless existingSecret names one), shared like the ConfigMap's. */}}
{{- define "hexad.secretData" -}}
HEXAD_DATABASE_URL: {{ required "secrets.databaseUrl is required" .Values.secrets.databaseUrl | quote }}
HEXAD_JWT_SECRET: {{ required "secrets.jwtSecret is required" .Values.secrets.jwtSecret | quote }}
{{- with .Values.secrets.s3AccessKeyId }}
HEXAD_S3_ACCESS_KEY_ID: {{ . | quote }}
{{- end }}
{{- with .Values.secrets.s3SecretAccessKey }}
HEXAD_S3_SECRET_ACCESS_KEY: {{ . | quote }}
{{- end }}
{{- with .Values.secrets.anthropicApiKey }}
HEXAD_ANTHROPIC_API_KEY: {{ . | quote }}
{{- end }}
{{- with .Values.secrets.openaiApiKey }}
HEXAD_OPENAI_API_KEY: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Pod annotations that roll the pods when a setting changes (envFrom is read only at start). */}}
{{- define "hexad.checksums" -}}
checksum/config: {{ include "hexad.configData" . | sha256sum }}
{{- if not .Values.existingSecret }}
checksum/secret: {{ include "hexad.secretData" . | sha256sum }}
{{- end }}
{{- end -}}

{{/* HEXAD_HOME and /tmp are the only writable paths (the root filesystem is read-only). */}}
{{- define "hexad.volumes" -}}
- name: home
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "hexad.volumeMounts" -}}
- name: home
  mountPath: /var/lib/hexad
- name: tmp
  mountPath: /tmp
{{- end -}}
