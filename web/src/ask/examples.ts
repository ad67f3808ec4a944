// Questions to start from, each shown only to roles whose permissions its tools need.
import type { Permission } from "../permissions";

export const EXAMPLES: { question: string; permission?: Permission }[] = [
  { question: "Which clients have the lowest margins?" },
  { question: "What are the open critical findings?" },
  { question: "What is the pipeline forecast for the next 3 months?", permission: "leads:read" },
  { question: "How does spend compare with budget by department?", permission: "spend:read" },
  { question: "Which licences are unused or over-deployed?", permission: "licences:read" },
  { question: "Which technicians are over-utilised?", permission: "plans:read" },
];
