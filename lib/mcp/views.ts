/** What `get_*` add to the compact search view of each entity: the fields of a record's detail page. */

/**
 * Extra fields a `get_*` tool fetches beyond its search view (both are fetched
 * with IncludeFields; `detail: "full"` fetches everything). Every name must be
 * a field of the entity in the catalog (a test checks it).
 */
export const GET_EXTRA_FIELDS: Record<string, string[]> = {
  Tickets: [
    "description",
    "resolution",
    "ticketType",
    "source",
    "issueType",
    "subIssueType",
    "ticketCategory",
    "assignedResourceRoleID",
    "contractID",
    "configurationItemID",
    "projectID",
    "estimatedHours",
    "completedDate",
    "serviceLevelAgreementID",
    "createDate",
    "lastActivityDate",
    "lastTrackedModificationDateTime",
  ],
  Companies: [
    "address1",
    "address2",
    "postalCode",
    "countryID",
    "webAddress",
    "fax",
    "parentCompanyID",
    "classification",
    "createDate",
    "lastTrackedModifiedDateTime",
  ],
  Contacts: [
    "addressLine",
    "city",
    "state",
    "zipCode",
    "extension",
    "primaryContact",
    "companyLocationID",
    "note",
    "lastModifiedDate",
  ],
  Projects: [
    "description",
    "contractID",
    "estimatedTime",
    "actualHours",
    "completedDateTime",
    "lastActivityDateTime",
  ],
  Tasks: [
    "description",
    "assignedResourceRoleID",
    "priorityLabel",
    "completedDateTime",
    "lastActivityDateTime",
  ],
  ConfigurationItems: [
    "referenceNumber",
    "location",
    "notes",
    "contractID",
    "parentConfigurationItemID",
    "lastModifiedTime",
  ],
  Contracts: [
    "description",
    "contractCategory",
    "estimatedRevenue",
    "estimatedHours",
    "serviceLevelAgreementID",
    "purchaseOrderNumber",
  ],
  Opportunities: ["description", "cost", "createDate", "nextStep", "leadSource", "lossReason"],
  Resources: ["officePhone", "mobilePhone", "locationID", "resourceType", "hireDate"],
};
