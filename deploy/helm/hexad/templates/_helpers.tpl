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
