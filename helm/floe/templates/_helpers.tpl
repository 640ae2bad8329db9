{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "floe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, or the release name alone when it already contains the chart name. */}}
{{- define "floe.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "floe.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "floe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "floe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "floe.labels" -}}
helm.sh/chart: {{ include "floe.chart" . }}
{{ include "floe.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "floe.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "floe.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The ConfigMap holding the connector files: the user's, or the chart's. */}}
{{- define "floe.connectorsConfigMap" -}}
{{- if .Values.connectors.existingConfigMap }}
{{- .Values.connectors.existingConfigMap }}
{{- else }}
{{- printf "%s-connectors" (include "floe.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The worker file: the user's config plus the keys the chart owns, which must
agree with the pod's mounts and ports.
*/}}
{{- define "floe.workerFile" -}}
{{- $config := deepCopy .Values.config }}
{{- /* Static group membership: each pod's name is its group.instance.id, unless config sets one. */}}
{{- if and .Values.staticMembership (not (hasKey (get $config "kafka" | default dict) "groupInstanceId")) }}
{{- $_ := set (get $config "kafka") "groupInstanceId" "${POD_NAME}" }}
{{- end }}
{{- $_ := set $config "connectorsDir" "/etc/floe/connectors" }}
{{- $_ = set $config "dataDir" "/var/lib/floe" }}
{{- $_ = set $config "server" (dict "host" "0.0.0.0" "port" (int .Values.httpPort)) }}
{{- toYaml $config }}
{{- end }}

{{/* Grace period: the commit timeout (rounded up to seconds) plus a margin to leave the group and exit. */}}
{{- define "floe.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- $timeoutMs := int64 (.Values.config.commitTimeoutMs | default 120000) }}
{{- add (div (add $timeoutMs 999) 1000) .Values.gracePeriodMarginSeconds }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{- define "floe.validate" -}}
{{- range $key := list "connectorsDir" "dataDir" "server" }}
{{- if hasKey $.Values.config $key }}
{{- fail (printf "config.%s is set by the chart (connectors at /etc/floe/connectors, dataDir /var/lib/floe, server on httpPort): remove it from your values" $key) }}
{{- end }}
{{- end }}
{{- if not (has .Values.workload (list "StatefulSet" "Deployment")) }}
{{- fail (printf "workload must be StatefulSet or Deployment, not %q" .Values.workload) }}
{{- end }}
{{- if and .Values.serviceMonitor.enabled (not .Values.service.enabled) }}
{{- fail "serviceMonitor.enabled needs service.enabled: the ServiceMonitor scrapes the metrics Service" }}
{{- end }}
{{- end }}
