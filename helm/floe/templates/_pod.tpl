{{/*
The pod template of the workers, shared by the StatefulSet and the Deployment
(`workload`). Included under `spec.template`.
*/}}
{{- define "floe.podTemplate" -}}
metadata:
  annotations:
    # Roll the pods when a config file changes: floe reads its files at start only.
    checksum/config: {{ include "floe.workerFile" . | sha256sum }}
    {{- if not .Values.connectors.existingConfigMap }}
    checksum/connectors: {{ include (print $.Template.BasePath "/configmap-connectors.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
    {{- include "floe.labels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "floe.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  terminationGracePeriodSeconds: {{ include "floe.terminationGracePeriodSeconds" . }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: floe
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: ["run", "--config", "/etc/floe/floe.yaml"]
      ports:
        - name: http
          containerPort: {{ .Values.httpPort }}
          protocol: TCP
      env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        {{- with .Values.nodeOptions }}
        - name: NODE_OPTIONS
          value: {{ . | quote }}
        {{- end }}
        {{- with .Values.env }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if or .Values.existingSecret .Values.envFrom }}
      envFrom:
        {{- with .Values.existingSecret }}
        - secretRef:
            name: {{ . }}
        {{- end }}
        {{- with .Values.envFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.startupProbe }}
      startupProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: worker-config
          mountPath: /etc/floe/floe.yaml
          subPath: floe.yaml
          readOnly: true
        - name: connectors
          mountPath: /etc/floe/connectors
          readOnly: true
        - name: tmp
          mountPath: /tmp
        - name: data
          mountPath: /var/lib/floe
        {{- range .Values.secretMounts }}
        - name: secret-{{ .name }}
          mountPath: /etc/floe/secrets/{{ .name }}
          readOnly: true
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: worker-config
      configMap:
        name: {{ include "floe.fullname" . }}
    - name: connectors
      configMap:
        name: {{ include "floe.connectorsConfigMap" . }}
    - name: tmp
      emptyDir:
        {{- with .Values.tmp.medium }}
        medium: {{ . }}
        {{- end }}
        sizeLimit: {{ .Values.tmp.sizeLimit }}
    - name: data
      emptyDir:
        sizeLimit: {{ .Values.data.sizeLimit }}
    {{- range .Values.secretMounts }}
    - name: secret-{{ .name }}
      secret:
        secretName: {{ .secretName }}
        {{- with .items }}
        items:
          {{- toYaml . | nindent 10 }}
        {{- end }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
