/** The shop's Node services, by the names tracing.yaml gives them (each also its service.name). */
export const SERVICES = ["shop-api", "3d-storage", "crm-api", "mes-api", "mes"] as const;
export type ServiceName = (typeof SERVICES)[number];
