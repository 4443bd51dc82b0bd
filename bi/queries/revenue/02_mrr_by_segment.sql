-- Revenue: MRR and ARPA by segment
select month, segment, mrr, active_customers, arpa
from marts.mrr_by_segment
where tenant_id = %(tenant_id)s and month >= %(since_month)s
order by month, segment
